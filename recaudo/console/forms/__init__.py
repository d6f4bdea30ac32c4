"""Forms per screen area (auth, inbox, customers, strategy, ...)."""
