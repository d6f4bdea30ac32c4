"""The self-service assistant: ``engine`` runs one turn; ``flows`` holds one module per flow."""
