"""What an operator sees: one JSON log line per request, Prometheus metrics, readiness.

`context` holds what one request learns about itself as it runs (its id, shop, outcome);
`logs` formats every log line, uvicorn's included, as JSON with secrets redacted; `metrics`
defines the Prometheus series and serves `/metrics`; `middleware` ties them to each request.
"""
