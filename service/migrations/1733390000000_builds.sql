-- Up Migration

-- A tenant is who builds are for; its tokens are stored as SHA-256 digests only.
CREATE TABLE tenants (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  -- The priority a build of this tenant gets when the request names none, and the highest it may ask for.
  default_priority integer NOT NULL DEFAULT 0,
  max_priority integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tokens (
  sha256 bytea PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Uploaded build contexts, stored (checked) in the blob store under their id.
CREATE TABLE contexts (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  bytes bigint NOT NULL,
  sha256 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE build_state AS ENUM ('queued', 'running', 'scanning', 'pushing', 'signing', 'succeeded', 'failed', 'cancelled');

-- A build is its own queue entry: claimed with FOR UPDATE SKIP LOCKED, held by a lease.
CREATE TABLE builds (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  idempotency_key text,
  spec bytea NOT NULL,
  spec_filename text NOT NULL,
  context_id uuid REFERENCES contexts (id),
  context_url text,
  target text NOT NULL,
  platforms text[] NOT NULL DEFAULT '{}',
  frontend_options jsonb NOT NULL DEFAULT '{}',
  -- Build secrets sealed with the service's key (AES-256-GCM); dropped when the build ends.
  secrets_sealed bytea,
  secret_ids text[] NOT NULL DEFAULT '{}',
  priority integer NOT NULL,
  timeout_seconds integer NOT NULL,
  state build_state NOT NULL DEFAULT 'queued',
  reason text,
  result text,
  already_existed boolean NOT NULL DEFAULT false,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  lease_token uuid,
  lease_owner text,
  lease_expires_at timestamptz,
  cancel_requested boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, idempotency_key),
  CHECK (context_id IS NULL OR context_url IS NULL)
);

CREATE INDEX builds_queued ON builds (priority DESC, seq) WHERE state = 'queued';
CREATE INDEX builds_leased ON builds (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
CREATE INDEX builds_by_tenant ON builds (tenant_id, seq DESC);

-- Down Migration
DROP TABLE builds;
DROP TYPE build_state;
DROP TABLE contexts;
DROP TABLE tokens;
DROP TABLE tenants;
