-- Duty modules and notice templates for the whole cluster (docs/plugins.md, docs/notices.md): an operator uploads a
-- module's package once and every silo runs the version the rollout names; a bureau edits a notice template once and
-- every silo renders with it. Stored versions are never rewritten; what serves is a separate row per module or
-- template, so a rollback is one small write. grains/Storage/Plugins/PostgisModulePackageStore.cs and
-- grains/Storage/Notices/PostgisTemplateVersionStore.cs write these tables.

-- Each catalog's revision: every change raises it (one UPDATE that also orders concurrent changes), and silos compare
-- it with the one they serve to know when to look again.
CREATE TABLE gridserver.catalog_revisions (
    catalog  text PRIMARY KEY CHECK (catalog IN ('modules', 'templates')),
    revision bigint NOT NULL DEFAULT 0 CHECK (revision >= 0)
);
INSERT INTO gridserver.catalog_revisions (catalog) VALUES ('modules'), ('templates');

-- Every change to either catalog, appended: who uploaded, activated, rolled back, disabled, removed, saved what, when.
CREATE TABLE gridserver.catalog_changes (
    seq      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    catalog  text NOT NULL REFERENCES gridserver.catalog_revisions (catalog),
    name     text COLLATE "C" NOT NULL,   -- the module's or the template's name
    action   text NOT NULL,               -- upload, activate, canary, disable, remove-version, remove, save, revert
    version  text,
    actor    text NOT NULL,               -- the credential subject
    at       timestamptz NOT NULL,
    detail   text                         -- a canary's silo
);
CREATE INDEX catalog_changes_recent ON gridserver.catalog_changes (catalog, seq DESC);

-- One row per uploaded version of a module: its package as uploaded (a zip of build output or a .nupkg), checked
-- before it was stored; every silo checks the hash and the signature again before it unpacks it.
CREATE TABLE gridserver.module_packages (
    module      text COLLATE "C" NOT NULL CHECK (module ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),   -- its assembly's name
    version     text COLLATE "C" NOT NULL CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$'),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes  bigint NOT NULL CHECK (size_bytes > 0),
    format      text NOT NULL CHECK (format IN ('Zip', 'NuGet')),
    contract    text NOT NULL,   -- the contract assembly version it was built against
    signed_by   text,            -- the trusted key's id that verified it at upload; NULL: unsigned (a development setting)
    signature   bytea,           -- the detached signature as uploaded
    content     bytea NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (module, version),
    CHECK ((signed_by IS NULL) = (signature IS NULL))
);

-- Which version each module runs: active_version on every silo (NULL: disabled), canary_version on canary_silo alone.
CREATE TABLE gridserver.module_rollouts (
    module         text COLLATE "C" PRIMARY KEY,
    active_version text COLLATE "C",
    canary_silo    text,
    canary_version text COLLATE "C",
    changed_by     text NOT NULL,
    changed_at     timestamptz NOT NULL,
    CHECK ((canary_silo IS NULL) = (canary_version IS NULL)),
    FOREIGN KEY (module, active_version) REFERENCES gridserver.module_packages (module, version),
    FOREIGN KEY (module, canary_version) REFERENCES gridserver.module_packages (module, version)
);

-- Notice templates edited through the API: every saved version, with its author and time.
CREATE TABLE gridserver.notice_template_versions (
    name     text COLLATE "C" NOT NULL CHECK (name ~ '^[a-z][a-z-]*(\.[a-z0-9][a-z0-9_-]*)?$'),   -- dispatch, dispatch.parking
    version  integer NOT NULL CHECK (version >= 1),
    body     text NOT NULL,
    author   text NOT NULL,
    saved_at timestamptz NOT NULL,
    note     text,
    PRIMARY KEY (name, version)
);

-- Which saved version serves per template; version NULL: none (the templates folder, a module's or the built-in serves).
CREATE TABLE gridserver.notice_template_active (
    name       text COLLATE "C" PRIMARY KEY,
    version    integer,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL,
    FOREIGN KEY (name, version) REFERENCES gridserver.notice_template_versions (name, version)
);

COMMENT ON TABLE gridserver.module_packages IS 'Uploaded duty-module packages, one row per version; never rewritten.';
COMMENT ON TABLE gridserver.module_rollouts IS 'The version of each uploaded module the cluster runs, and a canary.';
COMMENT ON TABLE gridserver.notice_template_versions IS 'Notice templates edited through the API, one row per saved version; never rewritten.';
