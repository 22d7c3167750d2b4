"""Load and validate flows/, mappings/ and manifest.yaml into typed models; errors name file:line:column."""
