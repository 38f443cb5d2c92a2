//! The compiled site's files: which build this binary serves (its content hashes), what a
//! page prefetches, and the static files themselves, precompressed and cached by name.

use axum::http::StatusCode;
use axum::response::Response;

/// The content hashes of this binary's build (`hash.txt` beside it, written by
/// cargo-leptos): `js`, `wasm`, `css`, `manifest` and `split` to their hash.
pub(crate) fn build_hashes() -> std::collections::HashMap<String, String> {
    hash_file()
        .and_then(|file| std::fs::read_to_string(file).ok())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_owned(), hash.trim().to_owned()))
        .collect()
}

/// The WASM and JavaScript files of this build (by `hashes`, so files an earlier build
/// left in `pkg/` are never among them): the main module, the split loader, then every
/// chunk its manifest names (a lazy island's; none today). Only files that exist; compressed twins are left out
/// (the browser asks for the file and the server picks its twin).
pub fn files_to_prefetch(pkg: &std::path::Path, hashes: &std::collections::HashMap<String, String>) -> Vec<String> {
    let hash = |kind: &str| hashes.get(kind).filter(|h| has_content_hash(&format!("x.{h}.x")));
    let mut files = vec![];
    if let Some(h) = hash("js") {
        files.push(format!("practice-access.{h}.js"));
    }
    if let Some(h) = hash("wasm") {
        files.push(format!("practice-access.{h}.wasm"));
    }
    if let Some(h) = hash("split") {
        files.push(format!("__wasm_split.{h}.js"));
    }
    // {"<page>": ["chunk_6.<hash>", …, "split_<page>.<hash>"], …}
    let chunks: std::collections::BTreeSet<String> = hash("manifest")
        .and_then(|h| std::fs::read_to_string(pkg.join(format!("__wasm_split_manifest.{h}.json"))).ok())
        .and_then(|text| serde_json::from_str::<std::collections::HashMap<String, Vec<String>>>(&text).ok())
        .unwrap_or_default()
        .into_values()
        .flatten()
        .filter(|name| has_content_hash(name) && !name.contains(['/', '\\']))
        .map(|name| format!("{name}.wasm"))
        .collect();
    files.extend(chunks);
    files.retain(|name| pkg.join(name).is_file());
    files
}

/// Whether the release build named the site's files by their content: cargo-leptos
/// (`hash-files`) then writes `hash.txt` beside the server binary, and the pages must ask
/// for `practice-access.<hash>.wasm` and so on. A binary built by plain `cargo build`
/// without that file asks for the plain names.
pub(crate) fn hash_file_beside_binary() -> bool {
    hash_file().is_some_and(|file| file.is_file())
}

/// Where cargo-leptos writes `hash.txt`: beside the server binary.
fn hash_file() -> Option<std::path::PathBuf> {
    std::env::current_exe().ok()?.parent().map(|dir| dir.join("hash.txt"))
}

/// Warns at start-up when the site does not hold the files the pages will ask for (a
/// `hash.txt` from another build, or a site copied without its binary's): pages would
/// load without their WASM and never become interactive.
pub(crate) fn check_site_files(site_root: &str, hashed: bool) {
    let pkg = std::path::Path::new(site_root).join("pkg");
    let mut wanted = vec![];
    if hashed {
        for (ext, hash) in build_hashes() {
            if matches!(ext.as_str(), "js" | "wasm" | "css") {
                wanted.push(format!("practice-access.{hash}.{ext}"));
            }
        }
    } else {
        wanted.extend(["practice-access.js", "practice-access.wasm", "practice-access.css"].map(String::from));
    }
    let missing: Vec<_> = wanted.iter().filter(|f| !pkg.join(f).is_file()).collect();
    if !missing.is_empty() {
        tracing::warn!(
            site = %pkg.display(),
            ?missing,
            "the site lacks files the pages ask for: build it with scripts/build-release.sh and keep hash.txt beside the server"
        );
    }
}

/// Static files of the compiled site, served precompressed where a `.br` or `.gz` sits
/// beside them. A name that carries its content's hash (`practice-access.<hash>.wasm`)
/// never changes meaning, so browsers keep it for a year without asking; any other name
/// is kept but revalidated (`no-cache` with Last-Modified: a 304 costs a round trip).
pub(crate) fn static_files(dir: &str) -> axum::routing::MethodRouter {
    use tower_http::set_header::SetResponseHeaderLayer;
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    axum::routing::get_service(
        tower::ServiceBuilder::new()
            .layer(axum::middleware::from_fn(static_cache_control))
            // The body depends on Accept-Encoding: a shared cache must key on it.
            .layer(SetResponseHeaderLayer::appending(
                axum::http::header::VARY,
                axum::http::HeaderValue::from_static("accept-encoding"),
            ))
            .service(files),
    )
}

async fn static_cache_control(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let immutable = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    let value = if !(response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED) {
        // A missing file may exist after the next deployment: nobody keeps the miss.
        "no-store"
    } else if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static(value),
    );
    response
}

/// Whether a file name holds a content hash as cargo-leptos writes it: a 22-character
/// URL-safe base64 MD5 between dots (`name.<hash>.wasm`) or after `__wasm_split.`.
fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split('.').any(|part| {
        part.len() == 22
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && part.bytes().any(|b| b != b'_')
    })
}

/// Removes `.br` and `.gz` files older than the file they compress (a build without
/// `scripts/build-release.sh`, such as `cargo leptos watch`), so a stale twin is never
/// served in place of the current file.
pub(crate) fn drop_stale_twins(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let twin = entry.path();
        let Some(ext) = twin.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if ext != "br" && ext != "gz" {
            continue;
        }
        let source = twin.with_extension("");
        let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let stale = match (modified(&source), modified(&twin)) {
            (Some(source), Some(twin)) => twin < source,
            (None, _) => true,
            _ => false,
        };
        if stale {
            match std::fs::remove_file(&twin) {
                Ok(()) => tracing::info!(file = %twin.display(), "removed a compressed file older than its source"),
                Err(error) => {
                    tracing::warn!(file = %twin.display(), %error, "a compressed file is older than its source and cannot be removed; it will be served")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::files_to_prefetch;

    #[test]
    fn only_this_builds_wasm_and_javascript_is_prefetched_main_module_first() {
        let dir = tempfile::tempdir().unwrap();
        let (main, split, manifest, chunk, page, old) = (
            "IlJbLSex_pdt-bAqj3tp4A",
            "iS0yIH10VSyQiM-9NVwycw",
            "HXoym_sj0hBsdQXKIaPaag",
            "XVPpKTvQvLeIwaTuWovg3g",
            "VDOhMlzxiljmrXdljzMwdg",
            "5ts322CGRsJevM8qX_iMKw",
        );
        for name in [
            format!("practice-access.{main}.wasm"),
            format!("practice-access.{main}.js"),
            format!("practice-access.{main}.css"),
            format!("__wasm_split.{split}.js"),
            format!("chunk_6.{chunk}.wasm"),
            format!("chunk_6.{chunk}.wasm.br"),
            format!("split_account_view_1.{page}.wasm"),
            // An earlier build's files, left behind by a deployment that copies over.
            format!("practice-access.{old}.wasm"),
            format!("chunk_7.{old}.wasm"),
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::write(
            dir.path().join(format!("__wasm_split_manifest.{manifest}.json")),
            format!(
                r#"{{"account_view_1":["chunk_6.{chunk}","split_account_view_1.{page}"],"matrix_view_2":["chunk_6.{chunk}","chunk_9.{chunk}","../secret"]}}"#
            ),
        )
        .unwrap();
        let hashes = [
            ("js", main),
            ("wasm", main),
            ("css", main),
            ("split", split),
            ("manifest", manifest),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
        assert_eq!(
            files_to_prefetch(dir.path(), &hashes),
            vec![
                format!("practice-access.{main}.js"),
                format!("practice-access.{main}.wasm"),
                format!("__wasm_split.{split}.js"),
                format!("chunk_6.{chunk}.wasm"),
                format!("split_account_view_1.{page}.wasm"),
            ],
            "chunk_9 is named but missing; the earlier build's files are not this build's"
        );
        assert!(files_to_prefetch(dir.path(), &Default::default()).is_empty());
    }
}
