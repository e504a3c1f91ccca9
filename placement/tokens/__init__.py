"""Personal access tokens: users create, list and revoke the tokens their integrations use."""
