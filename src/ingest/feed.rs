//! RSS (0.9x, 1.0, 2.0) and Atom feeds → one document per item: the item's
//! title and content (or summary) as text, HTML reduced to plain text; its
//! published (else updated) date, link and author; the feed's title as the
//! source. Parsing is `feed-rs`, which also accepts the blank line some
//! feeds carry before the XML declaration.

use super::ReadError;
use crate::model::SkipReason;
use crate::model::{DatePrecision, DocDate};

/// Whether bytes look like a feed: an `<rss`, `<feed` or `<rdf:RDF` root.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:rdf")
}

/// One feed item, ready to become a document.
#[derive(Debug)]
pub struct Item {
    /// 1-based position in the feed.
    pub number: u64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub date: Option<DocDate>,
    pub text: String,
}

/// A parsed feed.
#[derive(Debug)]
pub struct Feed {
    /// `rss` or `atom`.
    pub format: &'static str,
    pub title: Option<String>,
    pub items: Vec<Item>,
}

pub fn read(bytes: &[u8]) -> Result<Feed, ReadError> {
    let feed = super::guard(|| feed_rs::parser::parse(bytes))
        .map_err(|why| {
            (
                SkipReason::CorruptFeed,
                format!("the feed parser failed ({why})"),
            )
        })?
        .map_err(|e| {
            (
                SkipReason::CorruptFeed,
                format!("not a readable RSS or Atom feed: {e}"),
            )
        })?;
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "atom",
        _ => "rss",
    };
    let clean = |s: &str| {
        let t = super::html::fragment_text(s);
        (!t.is_empty()).then_some(t)
    };
    let items = feed
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let title = e.title.as_ref().and_then(|t| clean(&t.content));
            let body = e
                .content
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .and_then(clean)
                .or_else(|| e.summary.as_ref().and_then(|s| clean(&s.content)));
            let text = match (&title, body) {
                (Some(t), Some(b)) if b.starts_with(t.as_str()) => b,
                (Some(t), Some(b)) => format!("{t}\n\n{b}"),
                (Some(t), None) => t.clone(),
                (None, Some(b)) => b,
                (None, None) => String::new(),
            };
            Item {
                number: i as u64 + 1,
                title,
                url: e
                    .links
                    .iter()
                    .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                    .or(e.links.first())
                    .map(|l| l.href.trim().to_string()),
                author: e
                    .authors
                    .iter()
                    .filter_map(|p| p.name.as_deref().map(str::trim))
                    .find(|n| !n.is_empty())
                    .map(String::from),
                date: e.published.or(e.updated).map(|d| DocDate {
                    date: d.date_naive(),
                    precision: DatePrecision::Day,
                }),
                text,
            }
        })
        .collect();
    Ok(Feed {
        format,
        title: feed.title.as_ref().and_then(|t| clean(&t.content)),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_items_with_dates_links_and_html() {
        let rss = br#"
<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Policy Wire</title>
<item><title>Cuts deepen poverty</title><link>https://example.org/1</link><dc:creator>Ann</dc:creator>
<description>&lt;p&gt;Benefit &lt;b&gt;cuts&lt;/b&gt; bite.&lt;/p&gt;</description><pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>
<item><title>Undated</title></item></channel></rss>"#;
        let f = read(rss).unwrap();
        assert_eq!((f.format, f.title.as_deref()), ("rss", Some("Policy Wire")));
        assert_eq!(f.items.len(), 2);
        let a = &f.items[0];
        assert_eq!(a.text, "Cuts deepen poverty\n\nBenefit cuts bite.");
        assert_eq!(a.url.as_deref(), Some("https://example.org/1"));
        assert_eq!(a.author.as_deref(), Some("Ann"));
        assert_eq!(a.date.unwrap().date.to_string(), "2024-03-05");
        assert_eq!((f.items[1].number, f.items[1].date), (2, None));
    }

    #[test]
    fn atom_entries_and_garbage() {
        let atom = br#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Think Tank</title><id>x</id><updated>2024-01-01T00:00:00Z</updated>
<entry><title>Low pay</title><id>e1</id><updated>2024-02-02T00:00:00Z</updated><published>2024-02-01T00:00:00Z</published><link href="https://example.org/e1"/><author><name>Bo</name></author><summary>Wages lag rents.</summary></entry></feed>"#;
        let f = read(atom).unwrap();
        assert_eq!(f.format, "atom");
        assert_eq!(f.items[0].date.unwrap().date.to_string(), "2024-02-01");
        assert_eq!(f.items[0].text, "Low pay\n\nWages lag rents.");
        assert_eq!(
            read(b"<rss><channel><item>").err().unwrap().0,
            "corrupt-feed"
        );
    }
}
