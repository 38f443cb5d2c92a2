-- A notice lists at most a few dozen changes; past that it counts them ("and 120 more"),
-- so a morning of clicks on one person neither grows one row without bound (rewritten on
-- every click) nor makes an unreadable email.
ALTER TABLE access_notices ADD COLUMN changes INTEGER NOT NULL DEFAULT 1;
