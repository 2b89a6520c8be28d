"""Turning rows into risks: the shared engine, the streamed batch path, the Dask engine and the score CLI."""
