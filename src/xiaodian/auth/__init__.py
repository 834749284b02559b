"""Bearer tokens for shoppers and merchant accounts: issue, resolve, revoke."""
