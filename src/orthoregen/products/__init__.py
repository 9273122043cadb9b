"""Cell product traceability: identifiers, status, release, dose, bedside check, look-back."""
