-- Several source accounts may map onto one target account (version 5).

-- A target that owns its chart (BILL → QuickBooks Online) is often coarser than the source's: a
-- person maps BILL's "Cleaning" and "Rent" both onto QBO's "Rent or Lease". Vendors, bills and
-- payments keep one source per target record (a second link to the same target is a duplicate);
-- accounts no longer do. The matchers still pair one target with one source on their own.
drop index id_map_target;
create unique index id_map_target on id_map (link, entity, target_id) where target_id is not null and entity <> 'account';
