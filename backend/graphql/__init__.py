"""The storefront GraphQL API: the cancel button, the thank-you page and customer accounts."""
