-- A run stopped at a used-up hourly or daily allowance whose work the worker queued again to start
-- when the window resets is 'parked', not 'failed': nothing needs a person (version 7).
alter table runs drop constraint if exists runs_status_check;
alter table runs add constraint runs_status_check check (status in ('running', 'succeeded', 'failed', 'partial', 'interrupted', 'parked'));
