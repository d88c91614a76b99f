"""Identity: phone verification (WhatsApp / flash call), passwords, passkeys, sessions, JWT."""
