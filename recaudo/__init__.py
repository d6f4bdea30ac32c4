"""Recaudo: customer-friendly digital debt collection."""
