-- The two roles of docs/operations.md, for a fresh cluster (compose's db-init service).
-- Idempotent. Run as a superuser with psql variables owner_pw and app_pw:
--   psql -v ON_ERROR_STOP=1 -v owner_pw=... -v app_pw=... -f roles.sql
-- The owner runs migrations; the app role owns nothing and may not bypass row-level
-- security, so the tenant policies bind every query it makes.
SELECT 'CREATE ROLE tukiverkko_owner LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tukiverkko_owner') \gexec
SELECT 'CREATE ROLE tukiverkko_app LOGIN NOSUPERUSER NOBYPASSRLS'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tukiverkko_app') \gexec
ALTER ROLE tukiverkko_owner PASSWORD :'owner_pw';
ALTER ROLE tukiverkko_app PASSWORD :'app_pw';
ALTER DATABASE tukiverkko OWNER TO tukiverkko_owner;
