"""The merchant's side: App Home (rules and insights), its GraphQL API and the CSV export."""
