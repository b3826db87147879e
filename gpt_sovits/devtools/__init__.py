"""Developer tools: tiny random models for tests and demos."""
