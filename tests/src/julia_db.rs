//! Julia's own tables (as in `julia.md`) in a fresh PostgreSQL database per test.

use sqlx::postgres::PgPool;

use crate::TestDb;

pub const SCHEMA: &str = r#"
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
  conteudo text,
  tipo text DEFAULT 'lembrete',
  prioridade int DEFAULT 5 CHECK (prioridade BETWEEN 0 AND 10),
  status text DEFAULT 'pendente' CHECK (status IN ('pendente', 'processando', 'enviada', 'erro', 'cancelada', 'bloqueada')),
  agendar_para timestamptz,
  enviada_em timestamptz,
  processando_desde timestamptz,
  tentativas int DEFAULT 0,
  max_tentativas int DEFAULT 3,
  erro text,
  outcome_reason_code text,
  outcome_at timestamptz,
  provider_message_id text,
  metadata jsonb,
  created_at timestamptz DEFAULT now()
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
INSERT INTO app_settings (key, value) VALUES ('environment', 'production'), ('supabase_project_ref', 'ref123'), ('schema_version', '20251231211500');
INSERT INTO julia_status (status, motivo, alterado_por, alterado_via, created_at) VALUES ('pausado', 'install', 'installer', 'manual', now() - interval '2 days');
INSERT INTO julia_status (status, motivo, alterado_por, alterado_via, created_at) VALUES ('ativo', 'Heartbeat automático', 'scheduler', 'sistema', now() - interval '30 seconds');
"#;

/// A fresh database holding Julia's tables; returns it and a pool on it.
pub async fn julia_database() -> (TestDb, PgPool) {
    let db = TestDb::postgres().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    sqlx::raw_sql(SCHEMA).execute(&pool).await.unwrap();
    (db, pool)
}
