//! Julia's own tables (as in `julia.md`, including §6) in a fresh PostgreSQL database per test.
//!
//! As in Julia's real schema (`bootstrap/01-schema.sql` of rafa77-tech/whats-agents, a Supabase
//! dump): the tables are owned by another role than the one a test seeds with, row-level
//! security is enabled on them (the only policy among the flag/status tables is the
//! `service_role` one on `app_settings`), `fila_mensagens.outcome` is the `send_outcome` enum,
//! and `handoffs` and `campanhas` (with its status CHECK) exist.
//!
//! Roles (cluster-wide, created once): [`OWNER_ROLE`] owns every table (the bot connects as it
//! by default: an owner sees the rows); [`HIDDEN_ROLE`] has every grant but is neither owner,
//! superuser nor `BYPASSRLS`, so it reads zero rows and writes nothing, without an error.
//! The two roles hold no data and are kept (tests running at once share them); the database
//! itself is dropped with its `TestDb`.

use sqlx::postgres::PgPool;

use crate::TestDb;

/// Owns Julia's tables (like Supabase's `postgres`).
pub const OWNER_ROLE: &str = "julia_test_owner";
/// Granted everything, but row-level security hides every row from it.
pub const HIDDEN_ROLE: &str = "julia_test_reader";

pub const SCHEMA: &str = r#"
CREATE TYPE send_outcome AS ENUM (
  'SENT', 'BLOCKED_DEV_ALLOWLIST', 'BLOCKED_OPTED_OUT', 'BLOCKED_COOLING_OFF', 'BLOCKED_NEXT_ALLOWED',
  'BLOCKED_CONTACT_CAP', 'BLOCKED_CAMPAIGNS_DISABLED', 'BLOCKED_SAFE_MODE', 'BLOCKED_CAMPAIGN_COOLDOWN',
  'BLOCKED_QUIET_HOURS', 'DEDUPED', 'FAILED_PROVIDER', 'FAILED_VALIDATION', 'FAILED_BANNED',
  'FAILED_RATE_LIMIT', 'FAILED_CIRCUIT_OPEN', 'FAILED_NO_CAPACITY', 'BYPASS', 'FAILED_EXPIRED', 'FAILED_TIMEOUT'
);
CREATE TABLE julia_status (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  status text NOT NULL DEFAULT 'ativo' CHECK (status IN ('ativo', 'pausado', 'manutencao', 'erro')),
  motivo text,
  detalhes jsonb,
  alterado_por text,
  alterado_via text CHECK (alterado_via IN ('slack', 'sistema', 'api', 'manual')),
  created_at timestamptz DEFAULT now()
);
CREATE INDEX julia_status_created ON julia_status (created_at DESC);
CREATE VIEW julia_status_atual AS SELECT * FROM julia_status ORDER BY created_at DESC LIMIT 1;
CREATE TABLE app_settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  description text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);
CREATE TABLE feature_flags (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  description text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);
CREATE TABLE fila_mensagens (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  cliente_id uuid NOT NULL,
  conversa_id uuid,
  conteudo text NOT NULL DEFAULT 'Oi doutor, lembrete do plantão',
  tipo text NOT NULL DEFAULT 'lembrete',
  prioridade int DEFAULT 5 CHECK (prioridade BETWEEN 0 AND 10),
  status text DEFAULT 'pendente' CHECK (status IN ('pendente', 'processando', 'enviada', 'erro', 'cancelada', 'bloqueada')),
  agendar_para timestamptz,
  enviada_em timestamptz,
  metadata jsonb DEFAULT '{}'::jsonb,
  created_at timestamptz DEFAULT now(),
  max_tentativas int DEFAULT 3,
  tentativas int DEFAULT 0,
  erro text,
  processando_desde timestamptz,
  outcome send_outcome,
  outcome_reason_code text,
  outcome_at timestamptz,
  provider_message_id text
);
CREATE TABLE job_executions (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  job_name text,
  started_at timestamptz,
  finished_at timestamptz,
  status text,
  duration_ms int,
  response_code int,
  error text,
  items_processed int
);
CREATE TABLE handoffs (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  conversation_id uuid,
  reason text,
  created_at timestamptz DEFAULT now(),
  conversa_id uuid,
  motivo text,
  trigger_type varchar(50),
  status varchar(50) DEFAULT 'pendente',
  metadata jsonb,
  notas text,
  resolvido_em timestamptz,
  resolvido_por varchar(100)
);
CREATE TABLE campanhas (
  id bigint NOT NULL PRIMARY KEY,
  nome_template text,
  friendly_name text,
  tipo_campanha text DEFAULT 'oferta_plantao',
  ativo boolean DEFAULT true,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  status text DEFAULT 'rascunho' CHECK (status IN ('rascunho', 'agendada', 'ativa', 'pausada', 'concluida', 'cancelada')),
  agendar_para timestamptz,
  iniciada_em timestamptz,
  concluida_em timestamptz
);
ALTER TABLE app_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE feature_flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE julia_status ENABLE ROW LEVEL SECURITY;
ALTER TABLE fila_mensagens ENABLE ROW LEVEL SECURITY;
ALTER TABLE handoffs ENABLE ROW LEVEL SECURITY;
ALTER TABLE campanhas ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Service role full access" ON app_settings USING (current_user = 'service_role') WITH CHECK (current_user = 'service_role');
INSERT INTO app_settings (key, value) VALUES ('environment', 'production'), ('supabase_project_ref', 'ref123'), ('schema_version', '20251231211500');
INSERT INTO julia_status (status, motivo, alterado_por, alterado_via, created_at) VALUES ('pausado', 'install', 'installer', 'manual', now() - interval '2 days');
INSERT INTO julia_status (status, motivo, alterado_por, alterado_via, created_at) VALUES ('ativo', 'Heartbeat automático', 'scheduler', 'sistema', now() - interval '30 seconds');
"#;

/// Three campaigns, one in each of the states `/julia campaign` tells apart.
pub const SEED_CAMPAIGNS: &str =
    "INSERT INTO campanhas (id, nome_template, friendly_name, status) VALUES
    (1, 'oferta_sp_v2', 'Oferta SP', 'ativa'),
    (2, 'reativacao', 'Reativação', 'concluida'),
    (3, 'piloto', NULL, 'rascunho');";

/// Creates the two roles once per cluster (tests run in parallel: a concurrent creation is fine).
const ROLES: &str = r#"
DO $$ BEGIN
  CREATE ROLE julia_test_owner LOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN
  CREATE ROLE julia_test_reader LOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
"#;

/// Hands the tables to the owner role and grants the reader everything (RLS still hides rows).
const OWNERSHIP: &str = r#"
ALTER TYPE send_outcome OWNER TO julia_test_owner;
ALTER TABLE julia_status OWNER TO julia_test_owner;
ALTER VIEW julia_status_atual OWNER TO julia_test_owner;
ALTER TABLE app_settings OWNER TO julia_test_owner;
ALTER TABLE feature_flags OWNER TO julia_test_owner;
ALTER TABLE fila_mensagens OWNER TO julia_test_owner;
ALTER TABLE job_executions OWNER TO julia_test_owner;
ALTER TABLE handoffs OWNER TO julia_test_owner;
ALTER TABLE campanhas OWNER TO julia_test_owner;
GRANT USAGE ON SCHEMA public TO julia_test_owner, julia_test_reader;
GRANT ALL ON ALL TABLES IN SCHEMA public TO julia_test_reader;
"#;

/// A Julia database: the URLs to connect as the owner or as the hidden role, and a superuser
/// pool for seeding and inspecting rows.
pub struct JuliaDatabase {
    pub db: TestDb,
    pub owner_url: String,
    pub hidden_url: String,
    pub admin: PgPool,
}

/// `postgres://user@host/db` with the user replaced.
fn as_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host_db = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    format!("{scheme}://{user}@{host_db}")
}

/// A fresh database holding Julia's tables.
pub async fn julia_db() -> JuliaDatabase {
    let db = TestDb::postgres().await;
    let admin = PgPool::connect(&db.url).await.unwrap();
    sqlx::raw_sql(ROLES).execute(&admin).await.unwrap();
    sqlx::raw_sql(SCHEMA).execute(&admin).await.unwrap();
    sqlx::raw_sql(OWNERSHIP).execute(&admin).await.unwrap();
    JuliaDatabase {
        owner_url: as_user(&db.url, OWNER_ROLE),
        hidden_url: as_user(&db.url, HIDDEN_ROLE),
        db,
        admin,
    }
}

/// A fresh database holding Julia's tables; returns it (URL of a superuser) and a pool on it.
pub async fn julia_database() -> (TestDb, PgPool) {
    let j = julia_db().await;
    (j.db, j.admin)
}
