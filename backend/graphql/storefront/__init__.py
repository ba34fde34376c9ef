"""Orders and their cancellation, as a signed-in customer sees them."""
