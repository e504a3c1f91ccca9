"""Staff requests run as tasks (exports, global assignment runs): their records and pages."""
