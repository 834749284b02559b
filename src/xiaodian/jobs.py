"""Every sweep the worker runs, in order."""

from __future__ import annotations

from xiaodian.core.jobs import Job
from xiaodian.delivery import jobs as delivery_jobs
from xiaodian.flash import jobs as flash_jobs
from xiaodian.groupbuy import jobs as groupbuy_jobs
from xiaodian.oplog import jobs as oplog_jobs
from xiaodian.orders import jobs as order_jobs
from xiaodian.payments import jobs as payment_jobs
from xiaodian.wechat import jobs as wechat_jobs

ALL_JOBS: list[Job] = [
    Job("close_unpaid_orders", order_jobs.close_unpaid_orders),
    Job("auto_confirm_orders", order_jobs.auto_confirm_orders),
    Job("reconcile_payments", payment_jobs.reconcile_payments),
    Job("process_refunds", payment_jobs.process_refunds),
    Job("close_overdue_returns", payment_jobs.close_overdue_returns),
    Job("purge_operation_log", oplog_jobs.purge_operation_log),
    Job("end_flash_sessions", flash_jobs.end_due_sessions),
    Job("resync_flash_gates", flash_jobs.resync_gates),
    Job("send_flash_reminders", flash_jobs.send_flash_reminders),
    Job("retry_shipping_uploads", wechat_jobs.retry_shipping_uploads),
    Job("expire_groups", groupbuy_jobs.expire_groups),
    Job("end_group_buys", groupbuy_jobs.end_campaigns),
    Job("plan_slots_at_cut_off", delivery_jobs.plan_slots_at_cut_off),
]
