"""Group buying (拼团): a leader opens a group, friends join, and when the last seat is paid
every member's order ships at the group price; when time runs out first, every paid member
is refunded automatically. See docs/groupbuy.md."""
