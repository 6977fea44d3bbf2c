//! Text of a published letter PDF, through the `pdf-extract` crate (built on `lopdf`).
//!
//! The extractor can panic on malformed PDFs; a panic is caught and reported as an
//! [`ImportError`] so that one bad file never stops an import of many.

use super::ImportError;

/// Extracts the text of a PDF, page by page, for [`super::import_dwc_text`].
pub fn pdf_to_text(bytes: &[u8]) -> Result<String, ImportError> {
    if !bytes.starts_with(b"%PDF")
        && !bytes
            .get(..1024)
            .unwrap_or(bytes)
            .windows(4)
            .any(|w| w == b"%PDF")
    {
        return Err(ImportError {
            line: None,
            message: "not a PDF file (no %PDF signature)".to_string(),
        });
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }));
    match result {
        Ok(Ok(text)) if text.trim().is_empty() => Err(ImportError {
            line: None,
            message: "the PDF has no extractable text (a scanned image?)".to_string(),
        }),
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(ImportError {
            line: None,
            message: format!("cannot read the PDF: {e}"),
        }),
        Err(_) => Err(ImportError {
            line: None,
            message: "cannot read the PDF: the text extractor failed on it".to_string(),
        }),
    }
}
