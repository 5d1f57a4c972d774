"""Official tables straight from the GENESIS web services (`ibis fetch`, `ibis data status`)."""

from .client import SERVICES, Client, FetchError, fetch_tables, read_provenance, service_of

__all__ = ["SERVICES", "Client", "FetchError", "fetch_tables", "read_provenance", "service_of"]
