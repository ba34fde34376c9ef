"""The merchant's GraphQL API (App Home, `POST /admin/graphql`): a schema of its own, so nothing
here is reachable from the storefront and nothing of the storefront from here."""
