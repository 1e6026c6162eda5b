"""Use cases: each public function is one transaction over the store."""
