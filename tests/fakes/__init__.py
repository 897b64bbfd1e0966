"""Local fake servers that speak the platforms' documented APIs and record what we send."""
