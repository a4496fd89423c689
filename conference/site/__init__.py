"""Settings of the whole site an administrator changes in the app: the public address."""
