//! The browser test of the daily follow-up: a district officer registers one more returnee of a
//! batch at the checkpoint, opens the receiving ward's work list, records a check-in for one
//! person (who then leaves the "to call" list), and the person declares a fever through their
//! own link without an account. Runs like the other browser tests (see `browser.rs`).

use crate::browser::{Checked, choose, click, find, goto, poll, run_with, texts, type_into};
use chongdich_domain::access::Scope;
use chongdich_domain::clock::Clock;
use chongdich_domain::person::PersonDraft;
use chongdich_domain::quarantine::order::FallbackDraft;
use chongdich_domain::returnee::{BatchDraft, ReturneeDraft};
use chongdich_store::audit::Who;
use fantoccini::Locator;
use std::sync::atomic::{AtomicI64, Ordering};

const WARD: &str = "L03386";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ward_follows_its_returnees_records_a_checkin_and_a_person_declares_by_link() {
    let batch_id = AtomicI64::new(0);
    run_with(
        Some("officer_a"),
        async |app| {
            let store = app.store();
            let today = app.clock.today();
            let batch = BatchDraft {
                area_id: WARD.into(),
                origin: "TP. Bắc Giang".into(),
                origin_level: "cấp 4".into(),
                transport: "xe khách".into(),
                arrived_on: "20/06/2021".into(),
                ..BatchDraft::default()
            }
            .parse(today)
            .expect("batch");
            let fallback = FallbackDraft {
                fallback_kind: "home".into(),
                fallback_days: "14".into(),
                fallback_test_days: "1, 7, 14".into(),
                fallback_monitoring_days: "14".into(),
                fallback_basis: "Kế hoạch của UBND tỉnh".into(),
            }
            .parse()
            .expect("fallback");
            let row = store
                .create_batch(
                    &Scope::everywhere(),
                    &Who::console(),
                    &batch,
                    fallback.as_ref(),
                )
                .await
                .expect("batch written");
            for name in ["Lê Thị Bình", "Trần Văn Cường"] {
                let r = ReturneeDraft {
                    person: PersonDraft {
                        full_name: name.into(),
                        street: "Tổ 3".into(),
                        ..PersonDraft::default()
                    },
                    ..ReturneeDraft::default()
                }
                .parse(&batch, today)
                .expect("returnee");
                store
                    .register_returnee(&Scope::everywhere(), &Who::console(), row.id, &r)
                    .await
                    .expect("registered");
            }
            batch_id.store(row.id, Ordering::SeqCst);
        },
        async |c, base| scenario(c, base, batch_id.load(Ordering::SeqCst)).await,
    )
    .await;
}

async fn scenario(c: &fantoccini::Client, base: &str, batch: i64) -> Checked {
    // At the checkpoint: one more person of the batch.
    goto(c, &format!("{base}/quarantine/returnees/{batch}")).await?;
    type_into(c, "#full_name", "Phạm Văn Dũng").await?;
    type_into(c, "#street", "Tổ 5").await?;
    choose(c, "#subject", "returnee").await?;
    click(c, "#returnee-submit").await?;
    poll(c, "the third person in the batch", async || {
        let rows = c.find_all(Locator::Css("#people-table tbody tr")).await?;
        Ok((rows.len() == 3).then_some(()))
    })
    .await?;

    // The ward's work list: all three (24/06 is day 5 of 14 at home), each to call since
    // nobody has declared yet.
    goto(c, &format!("{base}/quarantine/work?area={WARD}")).await?;
    let names = texts(c, "#work-list a.name").await?;
    for n in ["Lê Thị Bình", "Trần Văn Cường", "Phạm Văn Dũng"] {
        if !names.iter().any(|x| x == n) {
            return Err(format!("{n} is not in the work list {names:?}"));
        }
    }
    let to_call = texts(c, "#count-call").await?;
    if to_call != ["3"] {
        return Err(format!("to call reads {to_call:?}"));
    }

    // The worker records Bình's check-in.
    find(c, "#work-list a.name").await?;
    let links = c
        .find_all(Locator::Css("#work-list a.name"))
        .await
        .map_err(|e| e.to_string())?;
    let mut opened = false;
    for l in links {
        if l.text().await.map_err(|e| e.to_string())? == "Lê Thị Bình" {
            l.click().await.map_err(|e| e.to_string())?;
            opened = true;
            break;
        }
    }
    if !opened {
        return Err("no link to Bình's order".into());
    }
    type_into(c, "#c_temperature", "36,5").await?;
    click(c, "#checkin-submit").await?;
    poll(c, "the check-in in the table", async || {
        let rows = c.find_all(Locator::Css("#checkin-table tbody tr")).await?;
        Ok((rows.len() == 1).then_some(()))
    })
    .await?;
    let link = texts(c, "#self-link").await?;
    let link = link.first().cloned().unwrap_or_default();
    if !link.contains("/khai-bao/") {
        return Err(format!("the self check-in link reads {link:?}"));
    }
    if c.find_all(Locator::Css("#self-qr svg"))
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Err("no QR code on the order page".into());
    }

    goto(c, &format!("{base}/quarantine/work?area={WARD}&duty=call")).await?;
    let names = texts(c, "#work-list a.name").await?;
    if names.iter().any(|n| n == "Lê Thị Bình") || names.len() != 2 {
        return Err(format!("to call after Bình's check-in: {names:?}"));
    }

    // Bình declares a fever herself, through the link (no account needed: the page asks for
    // nothing but the declaration).
    let path = link
        .find("/khai-bao/")
        .map(|i| link[i..].to_owned())
        .unwrap_or_default();
    c.delete_all_cookies().await.map_err(|e| e.to_string())?;
    goto(c, &format!("{base}{path}")).await?;
    type_into(c, "#temperature", "38,2").await?;
    click(c, "input[name=symptom][value=ho]").await?;
    click(c, "#self-submit").await?;
    poll(c, "the thanks", async || {
        Ok((!c.find_all(Locator::Css("#sent")).await?.is_empty()).then_some(()))
    })
    .await?;
    Ok(())
}
