//! Boundaries of administrative units from GeoJSON, as an administrator uploads them: a
//! FeatureCollection whose features each carry a Polygon or MultiPolygon and a property naming
//! the unit — `code` (a GSO code, of the structure chosen with the upload) or `area_id`
//! (`L03386`, `N12`). Pure: parsing names the feature at fault (`features[3].properties.code`),
//! and nothing is kept from a file with any error. Each unit's geometry is kept as GeoJSON text
//! and read back as rings of (longitude, latitude) for the map.

use chongdich_domain::area::{AreaId, Structure, UnitCode};
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::StoreError;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt;

/// At most this many errors are listed; a file wrong throughout says so once.
const MAX_ERRORS: usize = 50;

/// Vietnam's box, a sanity check of coordinates: WGS 84 longitude and latitude.
pub const LON: (f64, f64) = (100.0, 120.0);
pub const LAT: (f64, f64) = (5.0, 25.0);

/// One unit's boundary, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The property that named the unit: `features[3].properties.code`.
    pub field: String,
    pub area: AreaId,
    /// The geometry object (`{"type":"Polygon","coordinates":…}`) as JSON text.
    pub geometry: String,
}

struct Errors {
    list: Vec<FieldError>,
    more: usize,
}

impl Errors {
    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(FieldError::new(field, message));
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Result<(), Invalid> {
        if self.more > 0 {
            self.list.push(FieldError::new(
                "geojson",
                format!("… và {} lỗi khác", self.more),
            ));
        }
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.list))
        }
    }
}

/// Parses GeoJSON text (a file or what was pasted).
pub fn parse_text(text: &str, structure: Option<Structure>) -> Result<Vec<Shape>, Invalid> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(Invalid::field(
            "geojson",
            "chưa có nội dung: dán GeoJSON vào ô hoặc chọn tệp .geojson",
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let hint = if text.starts_with('<') {
            " — tệp có vẻ là XML (KML, GPX): hãy chuyển sang GeoJSON"
        } else if text.starts_with("PK") {
            " — tệp có vẻ là tệp nén (.zip, .kmz, shapefile): hãy giải nén và chuyển sang GeoJSON"
        } else {
            ""
        };
        Invalid::field(
            "geojson",
            format!(
                "không phải JSON hợp lệ (lỗi ở dòng {}, cột {}){hint}",
                e.line(),
                e.column()
            ),
        )
    })?;
    parse_value(&value, structure)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "một giá trị đúng/sai",
        Value::Number(_) => "một số",
        Value::String(_) => "một chuỗi",
        Value::Array(_) => "một mảng",
        Value::Object(_) => "một đối tượng",
    }
}

/// Parses a GeoJSON FeatureCollection. `structure` says which structure `code` properties
/// belong to (GSO codes are reused across the two); without it only `area_id` is accepted.
pub fn parse_value(v: &Value, structure: Option<Structure>) -> Result<Vec<Shape>, Invalid> {
    let wanted = "cần một FeatureCollection: {\"type\": \"FeatureCollection\", \"features\": [...]}, \
        mỗi đơn vị một Feature có thuộc tính code hoặc area_id";
    let Some(obj) = v.as_object() else {
        return Err(Invalid::field(
            "geojson",
            format!("nội dung là {}, {wanted}", kind(v)),
        ));
    };
    match obj.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {}
        Some(t) => {
            return Err(Invalid::field(
                "geojson",
                format!("đối tượng GeoJSON loại \"{t}\", {wanted}"),
            ));
        }
        None => {
            return Err(Invalid::field(
                "geojson",
                format!("thiếu \"type\": \"FeatureCollection\"; {wanted}"),
            ));
        }
    }
    let Some(features) = obj.get("features").and_then(Value::as_array) else {
        return Err(Invalid::field(
            "features",
            "thiếu danh sách \"features\" (một mảng)",
        ));
    };
    if features.is_empty() {
        return Err(Invalid::field(
            "features",
            "FeatureCollection không có đối tượng nào",
        ));
    }
    let mut errs = Errors {
        list: Vec::new(),
        more: 0,
    };
    let mut out = Vec::with_capacity(features.len());
    let mut seen: HashMap<AreaId, usize> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let at = format!("features[{i}]");
        let Some(f) = f.as_object() else {
            errs.push(at, format!("là {}, cần một Feature", kind(f)));
            continue;
        };
        if f.get("type").and_then(Value::as_str) != Some("Feature") {
            errs.push(format!("{at}.type"), "phải là \"Feature\"");
            continue;
        }
        let named = unit(&at, f.get("properties"), structure);
        let geometry = match f.get("geometry") {
            None | Some(Value::Null) => Err(FieldError::new(
                format!("{at}.geometry"),
                "thiếu hình (geometry) của đơn vị",
            )),
            Some(g) => geometry(g, &format!("{at}.geometry")),
        };
        match (named, geometry) {
            (Ok((field, area)), Ok(geometry)) => {
                if let Some(j) = seen.insert(area.clone(), i) {
                    errs.push(field, format!("{area} đã có ở features[{j}]"));
                } else {
                    out.push(Shape {
                        field,
                        area,
                        geometry,
                    });
                }
            }
            (a, b) => {
                for e in [a.err(), b.err()].into_iter().flatten() {
                    errs.push(e.field, e.message);
                }
            }
        }
    }
    errs.finish()?;
    Ok(out)
}

/// The unit a feature names: the field that named it and the unit's id.
fn unit(
    at: &str,
    props: Option<&Value>,
    structure: Option<Structure>,
) -> Result<(String, AreaId), FieldError> {
    let missing = || {
        FieldError::new(
            format!("{at}.properties"),
            "thiếu thuộc tính code (mã GSO của đơn vị, vd \"03386\") hoặc area_id (vd \"L03386\")",
        )
    };
    let props: &Map<String, Value> = match props {
        None | Some(Value::Null) => return Err(missing()),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(FieldError::new(
                format!("{at}.properties"),
                format!("là {}, cần một đối tượng", kind(other)),
            ));
        }
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    };
    if let Some(v) = props.get("area_id").filter(|v| !v.is_null()) {
        let field = format!("{at}.properties.area_id");
        let Some(s) = text(v) else {
            return Err(FieldError::new(field, "phải là chuỗi, vd \"L03386\""));
        };
        return match AreaId::parse(&s) {
            Ok(a) => Ok((field, a)),
            Err(_) => Err(FieldError::new(
                field,
                format!("mã địa bàn \"{s}\" không hợp lệ (vd L03386, N12)"),
            )),
        };
    }
    if let Some(v) = props.get("code").filter(|v| !v.is_null()) {
        let field = format!("{at}.properties.code");
        let Some(s) = text(v) else {
            return Err(FieldError::new(field, "phải là chuỗi, vd \"03386\""));
        };
        let code = UnitCode::parse(&s).map_err(|e| {
            let msg =
                e.0.into_iter()
                    .next()
                    .map(|f| f.message)
                    .unwrap_or_else(|| format!("mã \"{s}\" không hợp lệ"));
            FieldError::new(field.clone(), msg)
        })?;
        let Some(structure) = structure else {
            return Err(FieldError::new(
                field,
                "mã GSO dùng chung cho hai cơ cấu hành chính: chọn cơ cấu (structure=legacy: \
                 trước 01/07/2025; current: từ 01/07/2025) hoặc ghi area_id",
            ));
        };
        return Ok((field, AreaId::official(structure, &code)));
    }
    Err(missing())
}

/// Checks a geometry and gives it back as JSON text (only `type` and `coordinates`).
fn geometry(g: &Value, at: &str) -> Result<String, FieldError> {
    let Some(obj) = g.as_object() else {
        return Err(FieldError::new(
            at,
            format!(
                "là {}, cần một đối tượng Polygon hoặc MultiPolygon",
                kind(g)
            ),
        ));
    };
    let t = obj.get("type").and_then(Value::as_str);
    let coords = obj.get("coordinates");
    let at_c = format!("{at}.coordinates");
    match (t, coords) {
        (Some("Polygon"), Some(c)) => polygon(c, &at_c)?,
        (Some("MultiPolygon"), Some(c)) => {
            let polys = c
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| FieldError::new(&at_c, "cần một mảng các đa giác"))?;
            for (k, p) in polys.iter().enumerate() {
                polygon(p, &format!("{at_c}[{k}]"))?;
            }
        }
        (Some("Polygon" | "MultiPolygon"), None) => {
            return Err(FieldError::new(at_c, "thiếu tọa độ (coordinates)"));
        }
        (Some(t), _) => {
            return Err(FieldError::new(
                format!("{at}.type"),
                format!("chỉ nhận Polygon hoặc MultiPolygon, không nhận \"{t}\""),
            ));
        }
        (None, _) => {
            return Err(FieldError::new(
                format!("{at}.type"),
                "thiếu loại hình (Polygon hoặc MultiPolygon)",
            ));
        }
    }
    Ok(json!({"type": t, "coordinates": coords}).to_string())
}

fn polygon(p: &Value, at: &str) -> Result<(), FieldError> {
    let rings = p
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| FieldError::new(at, "một đa giác là một mảng các vòng điểm"))?;
    for (j, ring) in rings.iter().enumerate() {
        let at = format!("{at}[{j}]");
        let points = ring
            .as_array()
            .ok_or_else(|| FieldError::new(&at, "một vòng là một mảng các điểm"))?;
        if points.len() < 3 {
            return Err(FieldError::new(at, "một vòng cần ít nhất 3 điểm"));
        }
        for (n, pt) in points.iter().enumerate() {
            position(pt).map_err(|m| FieldError::new(format!("{at}[{n}]"), m))?;
        }
    }
    Ok(())
}

fn position(pt: &Value) -> Result<(), String> {
    let xy = pt.as_array().filter(|a| a.len() >= 2).and_then(|a| {
        let lon = a[0].as_f64()?;
        let lat = a[1].as_f64()?;
        Some((lon, lat))
    });
    let Some((lon, lat)) = xy else {
        return Err("một điểm là [kinh độ, vĩ độ] (hai số)".into());
    };
    if !(lon.is_finite() && lat.is_finite()) {
        return Err("tọa độ không phải số hữu hạn".into());
    }
    let inside =
        |lon: f64, lat: f64| (LON.0..=LON.1).contains(&lon) && (LAT.0..=LAT.1).contains(&lat);
    if inside(lon, lat) {
        return Ok(());
    }
    let hint = if inside(lat, lon) {
        " — có vẻ kinh độ và vĩ độ bị đảo: GeoJSON ghi [kinh độ, vĩ độ]"
    } else if lon.abs() > 180.0 || lat.abs() > 90.0 {
        " — tọa độ có vẻ tính bằng mét (VN-2000, UTM): hãy xuất tệp theo WGS 84 (EPSG:4326)"
    } else {
        ""
    };
    Err(format!(
        "điểm [{lon}, {lat}] ngoài phạm vi Việt Nam (kinh độ {}–{}, vĩ độ {}–{}){hint}",
        LON.0, LON.1, LAT.0, LAT.1
    ))
}

/// Gives store errors about `shapes[i]` the name of the feature that gave shape `i`.
pub fn name_features(e: StoreError, fields: &[String]) -> StoreError {
    match e {
        StoreError::Invalid(Invalid(list)) => StoreError::Invalid(Invalid(
            list.into_iter()
                .map(|f| {
                    let i = f
                        .field
                        .strip_prefix("shapes[")
                        .and_then(|r| r.strip_suffix(']'))
                        .and_then(|n| n.parse::<usize>().ok());
                    match i.and_then(|i| fields.get(i)) {
                        Some(name) => FieldError::new(name.clone(), f.message),
                        None => f,
                    }
                })
                .collect(),
        )),
        other => other,
    }
}

/// What a node of `coordinates` turned out to be, read without buffering: a number, a
/// position, or an array of positions (a ring, kept) or of arrays.
enum Node {
    Num(f64),
    Pos(f64, f64),
    Other,
}

/// Reads any nesting of `coordinates`, keeping every ring it meets.
struct Collect<'a>(&'a mut Vec<Vec<(f64, f64)>>);

impl<'de> de::DeserializeSeed<'de> for Collect<'_> {
    type Value = Node;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Collect<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GeoJSON coordinates")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Num(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Num(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Num(v as f64))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut ring: Vec<(f64, f64)> = Vec::new();
        let mut first_num = None;
        while let Some(node) = seq.next_element_seed(Collect(&mut *self.0))? {
            match node {
                Node::Num(x) => match first_num {
                    // [lon, lat, altitude…]
                    None => first_num = Some(x),
                    Some(lon) => {
                        while seq.next_element::<IgnoredAny>()?.is_some() {}
                        return Ok(Node::Pos(lon, x));
                    }
                },
                Node::Pos(x, y) => ring.push((x, y)),
                Node::Other => {}
            }
        }
        if !ring.is_empty() {
            self.0.push(ring);
        }
        Ok(Node::Other)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "coordinates" {
                map.next_value_seed(Collect(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Node::Other)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }
}

/// The rings of (longitude, latitude) of a stored geometry (a Polygon or MultiPolygon, read
/// in one pass), outer and inner alike — the map fills with the even-odd rule. None when the
/// text is not JSON.
pub fn rings(geometry: &str) -> Option<Vec<Vec<(f64, f64)>>> {
    let mut out = Vec::new();
    let mut d = serde_json::Deserializer::from_str(geometry);
    de::DeserializeSeed::deserialize(Collect(&mut out), &mut d).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64) -> Value {
        let d = 0.005;
        json!([[
            [lon - d, lat - d],
            [lon + d, lat - d],
            [lon + d, lat + d],
            [lon - d, lat + d],
            [lon - d, lat - d]
        ]])
    }

    fn feature(props: Value, geometry: Value) -> Value {
        json!({"type": "Feature", "properties": props, "geometry": geometry})
    }

    fn collection(features: Vec<Value>) -> Value {
        json!({"type": "FeatureCollection", "features": features})
    }

    #[test]
    fn codes_take_the_structure_and_area_ids_stand_alone() {
        let v = collection(vec![
            feature(
                json!({"code": "03386", "name": "Quyết Thắng"}),
                json!({"type": "Polygon", "coordinates": square(103.4367, 22.4026), "bbox": [1]}),
            ),
            feature(
                json!({"area_id": "N12"}),
                json!({"type": "MultiPolygon", "coordinates": [square(103.4, 22.4), square(103.5, 22.5)]}),
            ),
        ]);
        let shapes = parse_value(&v, Some(Structure::Legacy)).unwrap();
        assert_eq!(shapes.len(), 2);
        assert_eq!(shapes[0].area.as_str(), "L03386");
        assert_eq!(shapes[0].field, "features[0].properties.code");
        assert_eq!(shapes[1].area.as_str(), "N12");
        // Only the geometry is kept, and it reads back as rings.
        assert!(!shapes[0].geometry.contains("bbox"));
        assert_eq!(rings(&shapes[0].geometry).unwrap()[0].len(), 5);
        assert_eq!(rings(&shapes[1].geometry).unwrap().len(), 2);
        // Without a structure, a GSO code is ambiguous.
        let e = parse_value(&v, None).unwrap_err();
        assert!(
            e.message_for("features[0].properties.code").is_some(),
            "{e}"
        );
    }

    #[test]
    fn rings_read_any_order_and_ignore_altitude() {
        let r = rings(
            r#"{"coordinates":[[[[103.1,22.1,5],[103.2,22.1,5],[103.2,22.2,5]]],[[[104,21],[104.1,21],[104.1,21.1]],[[104.01,21.01],[104.02,21.01],[104.02,21.02]]]],"type":"MultiPolygon"}"#,
        )
        .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0], vec![(103.1, 22.1), (103.2, 22.1), (103.2, 22.2)]);
        assert_eq!(r[1][0], (104.0, 21.0));
        assert!(rings("not json").is_none());
    }

    #[test]
    fn errors_name_the_feature() {
        let v = collection(vec![
            feature(
                json!({"code": "3386"}),
                json!({"type": "Polygon", "coordinates": square(103.4, 22.4)}),
            ),
            feature(
                json!({"code": "03387"}),
                json!({"type": "Polygon", "coordinates": square(103.4, 50.0)}),
            ),
            feature(
                json!({}),
                json!({"type": "Point", "coordinates": [103.4, 22.4]}),
            ),
            feature(
                json!({"code": "03387"}),
                json!({"type": "Polygon", "coordinates": square(22.4, 103.4)}),
            ),
        ]);
        let e = parse_value(&v, Some(Structure::Legacy)).unwrap_err();
        assert!(
            e.message_for("features[0].properties.code")
                .unwrap()
                .contains("số 0"),
            "{e}"
        );
        assert!(
            e.message_for("features[1].geometry.coordinates[0][0]")
                .unwrap()
                .contains("ngoài phạm vi"),
            "{e}"
        );
        assert!(e.message_for("features[2].properties").is_some(), "{e}");
        assert!(
            e.message_for("features[2].geometry.type")
                .unwrap()
                .contains("Point")
        );
        assert!(
            e.message_for("features[3].geometry.coordinates[0][0]")
                .unwrap()
                .contains("đảo")
        );
    }

    #[test]
    fn a_unit_twice_is_an_error() {
        let g = json!({"type": "Polygon", "coordinates": square(103.4, 22.4)});
        let v = collection(vec![
            feature(json!({"area_id": "L03386"}), g.clone()),
            feature(json!({"code": "03386"}), g),
        ]);
        let e = parse_value(&v, Some(Structure::Legacy)).unwrap_err();
        assert!(
            e.message_for("features[1].properties.code")
                .unwrap()
                .contains("features[0]")
        );
    }

    #[test]
    fn not_json_or_not_a_collection_says_so() {
        let e = parse_text("<kml></kml>", None).unwrap_err();
        assert!(e.message_for("geojson").unwrap().contains("XML"), "{e}");
        let e = parse_text("{\"type\": \"Feature\"}", None).unwrap_err();
        assert!(
            e.message_for("geojson")
                .unwrap()
                .contains("FeatureCollection")
        );
        let e = parse_text("[1, 2]", None).unwrap_err();
        assert!(e.message_for("geojson").unwrap().contains("mảng"));
        let e = parse_text("  ", None).unwrap_err();
        assert!(e.message_for("geojson").is_some());
        let e = parse_text(r#"{"type":"FeatureCollection","features":[]}"#, None).unwrap_err();
        assert!(e.message_for("features").is_some());
    }

    #[test]
    fn a_file_wrong_throughout_lists_a_bounded_number_of_errors() {
        let v = collection((0..500).map(|_| json!({"type": "Feature"})).collect());
        let e = parse_value(&v, None).unwrap_err();
        assert_eq!(e.0.len(), MAX_ERRORS + 1);
        assert!(e.message_for("geojson").unwrap().contains("lỗi khác"));
    }

    #[test]
    fn store_errors_are_named_by_feature() {
        let e = StoreError::Invalid(Invalid(vec![
            FieldError::new("shapes[1]", "không có đơn vị L99999"),
            FieldError::new("other", "x"),
        ]));
        let fields = vec![
            "features[0].properties.code".to_owned(),
            "features[2].properties.area_id".to_owned(),
        ];
        let StoreError::Invalid(i) = name_features(e, &fields) else {
            panic!()
        };
        assert_eq!(
            i.message_for("features[2].properties.area_id"),
            Some("không có đơn vị L99999")
        );
        assert_eq!(i.message_for("other"), Some("x"));
    }
}
