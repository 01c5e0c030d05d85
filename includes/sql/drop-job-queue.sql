DO $$
DECLARE
    object record;
BEGIN
    FOR object IN SELECT tablename FROM pg_tables
        WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\_%'
    LOOP
        EXECUTE format('DROP TABLE %I CASCADE', object.tablename);
    END LOOP;
    FOR object IN SELECT oid::regprocedure AS signature FROM pg_proc
        WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'procrastinate\_%'
    LOOP
        EXECUTE format('DROP FUNCTION %s CASCADE', object.signature);
    END LOOP;
    FOR object IN SELECT typname FROM pg_type
        WHERE typnamespace = current_schema()::regnamespace AND typname LIKE 'procrastinate\_%'
            AND typtype IN ('c', 'e')
    LOOP
        EXECUTE format('DROP TYPE %I CASCADE', object.typname);
    END LOOP;
END
$$;
