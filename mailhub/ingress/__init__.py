"""The doors mail comes in by: thin adapters over pipeline.receive()."""
