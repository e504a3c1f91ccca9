"""Crisis response: crises, urgent needs, surge alerts, and remote sessions."""
