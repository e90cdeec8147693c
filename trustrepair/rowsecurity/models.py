# No models: the app holds the row-security policies, roles and grants (post_migrate needs a models module).
