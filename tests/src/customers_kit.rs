//! Julia's customer tables (`julia.md` §7: `clientes`, `doctor_state`, `interacoes`), added to a
//! test's Julia database with the same owner and row-level security as the others, and the
//! doctors a customer-notice test seeds: one per rule.

use sqlx::postgres::PgPool;

/// The tables as in Julia's schema dump (the columns §7 names; `bloqueado` and
/// `status_telefone` are not in the dump, so they are absent here too).
pub const DOCTORS_SCHEMA: &str = r#"
CREATE TABLE clientes (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  telefone varchar(20) NOT NULL CONSTRAINT unique_telefone UNIQUE,
  primeiro_nome varchar(50),
  sobrenome varchar(100),
  status varchar(50) DEFAULT 'novo',
  stage_jornada text DEFAULT 'novo',
  deleted_at timestamptz,
  opt_out boolean DEFAULT false,
  opt_out_data timestamptz,
  opted_out boolean DEFAULT false,
  opted_out_at timestamptz,
  opted_out_reason text,
  grupo_piloto boolean DEFAULT false,
  tags jsonb,
  origem varchar(100),
  cpf text,
  crm text,
  email text,
  created_at timestamptz DEFAULT now()
);
CREATE TABLE doctor_state (
  cliente_id uuid PRIMARY KEY REFERENCES clientes(id) ON DELETE CASCADE,
  permission_state text NOT NULL DEFAULT 'none' CHECK (permission_state IN ('none', 'initial', 'active', 'cooling_off', 'opted_out')),
  cooling_off_until timestamptz,
  next_allowed_at timestamptz,
  contact_count_7d int NOT NULL DEFAULT 0,
  last_inbound_at timestamptz,
  last_outbound_at timestamptz,
  lifecycle_stage text NOT NULL DEFAULT 'novo'
);
CREATE TABLE interacoes (
  id bigserial PRIMARY KEY,
  cliente_id uuid NOT NULL,
  conversation_id uuid,
  tipo text,
  origem text,
  autor_tipo text,
  conteudo text,
  created_at timestamptz DEFAULT now()
);
CREATE INDEX interacoes_cliente ON interacoes (cliente_id, created_at DESC);
ALTER TABLE clientes ENABLE ROW LEVEL SECURITY;
ALTER TABLE doctor_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE interacoes ENABLE ROW LEVEL SECURITY;
ALTER TABLE clientes OWNER TO julia_test_owner;
ALTER TABLE doctor_state OWNER TO julia_test_owner;
ALTER TABLE interacoes OWNER TO julia_test_owner;
GRANT ALL ON ALL TABLES IN SCHEMA public TO julia_test_reader;
"#;

/// Adds the customer tables to a Julia database (as a superuser).
pub async fn add_doctor_tables(admin: &PgPool) {
    sqlx::raw_sql(DOCTORS_SCHEMA).execute(admin).await.unwrap();
}

/// A doctor who wrote to Julia `days_ago` days ago (an `interacoes` row), with `extra` SQL
/// assignments on `clientes` (e.g. `opted_out = true`) and an optional `doctor_state` row.
pub async fn doctor(
    admin: &PgPool,
    phone: &str,
    days_ago: i64,
    clientes: &str,
    state: Option<&str>,
) {
    let id: String = sqlx::query_scalar(
        "INSERT INTO clientes (telefone, primeiro_nome) VALUES ($1, 'Ana') RETURNING id::text",
    )
    .bind(phone)
    .fetch_one(admin)
    .await
    .unwrap();
    if !clientes.is_empty() {
        sqlx::raw_sql(&format!(
            "UPDATE clientes SET {clientes} WHERE id = '{id}'::uuid"
        ))
        .execute(admin)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO interacoes (cliente_id, tipo, origem, autor_tipo, conteudo, created_at)
         VALUES ($1::uuid, 'entrada', 'whatsapp_inbound', 'medico', 'oi', now() - make_interval(days => $2::int))",
    )
    .bind(&id)
    .bind(days_ago as i32)
    .execute(admin)
    .await
    .unwrap();
    if let Some(s) = state {
        sqlx::raw_sql(&format!(
            "INSERT INTO doctor_state (cliente_id) VALUES ('{id}'::uuid);
             UPDATE doctor_state SET {s} WHERE cliente_id = '{id}'::uuid"
        ))
        .execute(admin)
        .await
        .unwrap();
    }
}

/// One doctor per rule (numbers `55119000000NN`): 3 who receive the notice, one held by
/// cooling-off and one by the weekly cap, and one left out by each always-excluded mark
/// (five opt-out marks, deleted, silent for 60 days, an unnormalised duplicate).
pub async fn seed_doctors(admin: &PgPool) {
    add_doctor_tables(admin).await;
    for n in ["5511900000001", "5511900000002", "5511900000003"] {
        doctor(admin, n, 2, "", None).await;
    }
    doctor(
        admin,
        "5511900000004",
        1,
        "",
        Some("permission_state = 'cooling_off', cooling_off_until = now() + interval '3 days'"),
    )
    .await;
    doctor(admin, "5511900000005", 1, "", Some("contact_count_7d = 6")).await;
    // Every opt-out mark Julia writes, each on its own.
    doctor(admin, "5511900000010", 1, "opted_out = true", None).await;
    doctor(admin, "5511900000011", 1, "opt_out = true", None).await;
    doctor(admin, "5511900000012", 1, "status = 'optout'", None).await;
    doctor(admin, "5511900000013", 1, "stage_jornada = 'opt_out'", None).await;
    doctor(
        admin,
        "5511900000014",
        1,
        "",
        Some("permission_state = 'opted_out'"),
    )
    .await;
    doctor(admin, "5511900000015", 1, "deleted_at = now()", None).await;
    // Wrote 60 days ago: not active.
    doctor(admin, "5511900000016", 60, "", None).await;
    // The first number again, as an import left it (not normalised).
    doctor(admin, "+55 11 90000-0001", 1, "", None).await;
}

/// The numbers [`seed_doctors`] sends to without and with the held ones.
pub const CLEAR: &[&str] = &["5511900000001", "5511900000002", "5511900000003"];
pub const HELD: &[&str] = &["5511900000004", "5511900000005"];
/// Every number that must never receive anything.
pub const NEVER: &[&str] = &[
    "5511900000010",
    "5511900000011",
    "5511900000012",
    "5511900000013",
    "5511900000014",
    "5511900000015",
    "5511900000016",
];
