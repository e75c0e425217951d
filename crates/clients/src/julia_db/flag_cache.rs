//! Julia's Redis flag cache.

use std::time::Duration;

/// Writes Julia's cached flag as Julia's own flag writer does (`SET feature_flag:<key> <json>
/// EX 30`), so the change applies at once; a bare `DEL` could race with a reader re-caching
/// the old value. `Ok(false)` when `JULIA_REDIS_URL` is not configured.
pub async fn set_flag_cache(
    redis_url: Option<&chatops_core::config::Secret>,
    key: &str,
    json: &str,
    timeout: Duration,
) -> Result<bool, String> {
    let Some(url) = redis_url else {
        return Ok(false);
    };
    let fut = async {
        let client =
            redis::Client::open(url.expose()).map_err(|_| "invalid JULIA_REDIS_URL".to_string())?;
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|_| "Julia's Redis refused the connection".to_string())?;
        redis::cmd("SET")
            .arg(format!("feature_flag:{key}"))
            .arg(json)
            .arg("EX")
            .arg(30)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|_| "Julia's Redis refused SET".to_string())?;
        Ok(true)
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err("Julia's Redis did not answer".into()),
    }
}
