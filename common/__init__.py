"""What the ETL (etl/) and the dashboard (analytics/, app_pages/) both need: the warehouse's vocabulary
(statuses, severities, categories, tolerances), the settings read from the environment, the text folding both
sides apply, and the message catalogue. It imports neither side."""
