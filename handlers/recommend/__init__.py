"""Recommendations: multilingual embeddings in Qdrant, cold start, trending, "For you"."""
