//! `steady_state_allocations`: once a `Validator`'s buffers have grown, validating document
//! after document allocates nothing. The counting global allocator (`tests/common/counting.rs`)
//! counts this thread's calls.

use xseg::{DatagramOutcome, Options, Profile, Validator};

use crate::counting::allocations;

/// SDK-like documents: web segments with http, annotations, metadata, causes with stacks,
/// nested subsegments, escapes; plus rejected ones of every stage.
fn batch() -> Vec<Vec<u8>> {
    let mut docs = Vec::new();
    for i in 0..40u32 {
        let subs: Vec<String> = (0..(i % 6))
            .map(|j| {
                format!(
                    r#"{{"id":"{:016x}","name":"db\u00e9 {j}","start_time":1764547200.{j}1,"end_time":1764547200.{j}9,"namespace":"remote","http":{{"request":{{"method":"GET","url":"http://127.0.0.1:8080/x?{j}"}},"response":{{"status":200,"content_length":{j}}}}},"sql":{{"url":"sqlite://orders","sanitized_query":"select * from orders where id = ?"}},"subsegments":[{{"id":"{:016x}","name":"inner","start_time":1764547200.2,"end_time":1764547200.3,"aws":{{"operation":"GetItem","table_name":"t"}}}}]}}"#,
                    1000 + j,
                    2000 + j
                )
            })
            .collect();
        let meta = "m".repeat((i as usize % 7) * 900);
        docs.push(
            format!(
                r#"{{"id":"{:016x}","name":"shop-{i}","trace_id":"1-6929{i:04x}-a006649127e371903a2de979","start_time":1764547200.5,"end_time":1764547201.25,"service":{{"version":"1.{i}"}},"user":"alice","origin":"AWS::EC2::Instance","aws":{{"ec2":{{"instance_id":"i-0abc","availability_zone":"eu-west-1a"}},"xray":{{"sdk":"X-Ray for Python","sdk_version":"2.15.0"}}}},"http":{{"request":{{"method":"POST","url":"https://shop.example.com/cart","user_agent":"curl/8","client_ip":"10.0.0.{i}","x_forwarded_for":true}},"response":{{"status":500,"content_length":"{i}"}}}},"fault":true,"annotations":{{"customer":"c{i}","total":{i}.5,"vip":false,"bad key":1}},"metadata":{{"default":{{"blob":"{meta}","list":[1,2.5,null,{{"k":"\"q\"\n"}}]}},"debug":{{"k":1,"k":2}}}},"cause":{{"working_directory":"/srv","exceptions":[{{"id":"{:016x}","message":"boom {i}","type":"ValueError","stack":[{{"path":"app.py","line":{i},"label":"handler"}},{{"path":"lib.js","line":null}}]}},{{"message":"no id"}}]}},"subsegments":[{}]}}"#,
                0x70de_5b6f_19ff_0000u64 + u64::from(i),
                0x1234_0000u64 + u64::from(i),
                subs.join(",")
            )
            .into_bytes(),
        );
    }
    for doc in [
        &b"{\"id\":\"x\",\"name\":\"n\"}"[..],
        b"[]",
        b"nope",
        b"{\"a\":\"\xff\"}",
        b"T1SAAAA",
        b"",
    ] {
        docs.push(doc.to_vec());
    }
    docs.push(vec![b'['; 5000]);
    docs.push(vec![b' '; 70_000]);
    docs
}

fn one_pass(v: &mut Validator, docs: &[Vec<u8>], dgrams: &[Vec<u8>]) -> (usize, usize, usize) {
    let (mut accepted, mut warnings, mut touched) = (0, 0, 0);
    for doc in docs {
        let out = v.validate(doc);
        accepted += usize::from(out.is_accepted());
        warnings += v.warnings().total();
        if let Some(r) = out.rejection() {
            touched += r.message().len() + r.id_raw().map_or(0, |s| s.raw().len());
        }
        if let Ok(d) = v.parse(doc) {
            if let Some(seg) = d.segment() {
                touched += seg.name().map_or(0, |n| n.char_count());
                for child in seg.subsegments() {
                    touched += child.subsegments().count();
                    touched += usize::from(child.end_time().is_some());
                }
                for entity in seg.descendants().chain([seg]) {
                    touched += entity.id().map_or(0, |s| s.raw().len());
                    for a in entity.annotations() {
                        touched += a.key().char_count() + usize::from(a.is_scalar());
                    }
                }
            }
        }
    }
    for d in dgrams {
        if let DatagramOutcome::Document { outcome, .. } = v.validate_datagram(d) {
            accepted += usize::from(outcome.is_accepted());
        }
    }
    (accepted, warnings, touched)
}

#[test]
fn steady_state_allocations() {
    let docs = batch();
    let dgrams: Vec<Vec<u8>> = docs
        .iter()
        .take(10)
        .map(|d| [&b"{\"format\":\"json\",\"version\":1}\n"[..], d].concat())
        .collect();
    for profile in [Profile::Service, Profile::Strict] {
        let mut v = Validator::new(Options::new(profile));
        let warm = one_pass(&mut v, &docs, &dgrams);
        let before = allocations();
        let again = one_pass(&mut v, &docs, &dgrams);
        let after = allocations();
        assert_eq!(warm, again);
        assert_eq!(
            after - before,
            0,
            "{profile:?}: allocations in steady state"
        );
        // the batch is realistic: under service every SDK-like document is accepted
        if profile == Profile::Service {
            assert_eq!(warm.0, 40 + 1 + 10, "{warm:?}");
            assert!(warm.1 >= 40 * 4, "{warm:?}");
        } else {
            assert_eq!(warm.0, 1, "{warm:?}");
        }
    }
    // the counter works: a fresh validator does allocate
    let before = allocations();
    let v = Validator::default();
    assert!(allocations() > before);
    drop(v);
}
