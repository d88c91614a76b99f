"""The runtime: settings, app factory, socket server, stores, CLI. No business rules here."""
