-- Photos (处置前/处置后, and those sent with reports): one row per photo, named by the SHA-256 of the stored image, which
-- is always a re-encoded JPEG without metadata (silo/Media/PhotoIntake.cs). What the photo said about itself (EXIF GPS
-- and time) is kept beside it for staff. Cases name photos in their report's media link and their actions' evidence
-- (photo:<stage>:<id>); who may see a photo follows who may see a case that names it.

CREATE TABLE gridserver.media (
    id              text COLLATE "C" PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    width           integer NOT NULL CHECK (width > 0),
    height          integer NOT NULL CHECK (height > 0),
    size_bytes      bigint NOT NULL,
    taken_at        timestamptz,
    lon             double precision,
    lat             double precision,
    original_format text NOT NULL,
    original_bytes  bigint NOT NULL,
    uploaded_by     text NOT NULL,
    uploaded_at     timestamptz NOT NULL,
    image           bytea NOT NULL,
    thumbnail       bytea NOT NULL
);
-- JPEG does not compress further: keep the bytes out of line without trying.
ALTER TABLE gridserver.media ALTER COLUMN image SET STORAGE EXTERNAL;
ALTER TABLE gridserver.media ALTER COLUMN thumbnail SET STORAGE EXTERNAL;
