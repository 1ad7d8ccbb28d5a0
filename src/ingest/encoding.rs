//! Bytes → text for plain-text formats: UTF-8 (with or without a BOM),
//! UTF-16 with a BOM, and legacy single-byte encodings (Windows-1252,
//! Latin-1, ...) guessed by `chardetng`. A guess is never silent: it comes
//! back as a warning. Never panics.

use crate::model::SkipReason;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// Decoded text and, when the encoding had to be guessed, a warning.
pub struct Decoded {
    pub text: String,
    pub warning: Option<String>,
}

/// Decode bytes of a text file. Binary content (NUL bytes without a
/// UTF-16 byte-order mark) is refused with a reason.
pub fn decode(bytes: &[u8]) -> Result<Decoded, super::ReadError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest);
    }
    for (bom, enc) in [(&[0xFF, 0xFE], UTF_16LE), (&[0xFE, 0xFF], UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(rest);
            return Ok(Decoded {
                text: text.into_owned(),
                warning: had_errors.then(|| {
                    format!(
                        "{} text has invalid sequences, replaced with U+FFFD",
                        enc.name()
                    )
                }),
            });
        }
    }
    if let Ok(d) = utf8(bytes) {
        return Ok(d);
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err((
            SkipReason::BinaryFile,
            "not text: NUL bytes and no UTF-16 byte-order mark".into(),
        ));
    }
    let bad_at = std::str::from_utf8(bytes)
        .err()
        .map_or(0, |e| e.valid_up_to());
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let enc: &'static Encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let (text, _, _) = enc.decode(bytes);
    Ok(Decoded {
        text: text.into_owned(),
        warning: Some(format!(
            "not valid UTF-8 (byte {bad_at}); decoded as {} (guessed)",
            enc.name()
        )),
    })
}

fn utf8(bytes: &[u8]) -> Result<Decoded, super::ReadError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Decoded {
            text: s.to_string(),
            warning: None,
        }),
        Err(e) => Err((
            SkipReason::NotUtf8,
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode("caf\u{e9}".as_bytes()).unwrap();
        assert_eq!((d.text.as_str(), d.warning), ("caf\u{e9}", None));
        let d = decode(b"\xEF\xBB\xBFwelfare").unwrap();
        assert_eq!(d.text, "welfare");
    }

    #[test]
    fn utf16_with_bom_both_orders() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "low pay \u{a3}5"
                    .encode_utf16()
                    .flat_map(|u| u.to_le_bytes()),
            )
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(
                "low pay \u{a3}5"
                    .encode_utf16()
                    .flat_map(|u| u.to_be_bytes()),
            )
            .collect();
        for b in [le, be] {
            let d = decode(&b).unwrap();
            assert_eq!(d.text, "low pay \u{a3}5");
            assert!(d.warning.is_none());
        }
    }

    #[test]
    fn windows_1252_is_guessed_with_a_warning() {
        // "Benefit cuts hit families \x96 the \x93scrounger\x94 myth" in cp1252.
        let bytes = b"Benefit cuts hit families \x96 the \x93scrounger\x94 myth, caf\xe9 workers\n";
        let d = decode(bytes).unwrap();
        assert!(
            d.text
                .contains("\u{2013} the \u{201c}scrounger\u{201d} myth, caf\u{e9}"),
            "{}",
            d.text
        );
        let w = d.warning.unwrap();
        assert!(w.contains("windows-1252") && w.contains("byte 26"), "{w}");
    }

    #[test]
    fn binary_is_refused_not_decoded() {
        let (reason, _) = decode(b"\x00\x01\x02\xff\xfe junk").err().unwrap();
        assert_eq!(reason, "binary-file");
    }
}
