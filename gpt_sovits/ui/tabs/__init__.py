"""One module per tab of the studio."""
