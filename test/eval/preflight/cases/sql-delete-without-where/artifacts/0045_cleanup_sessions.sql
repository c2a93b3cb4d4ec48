-- expired sessions only
DELETE FROM sessions;
