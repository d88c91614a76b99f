"""Everything that touches video bytes: tus uploads, storage, probing, the HLS ladder."""
