//! A minimal protocol-buffers writer: varints, 32-bit floats and length-delimited fields, which is
//! all an ONNX file needs. Field numbers live with the messages in `schema.rs`.

/// Protocol-buffers wire types (the low three bits of a field key).
#[derive(Debug, Clone, Copy)]
enum WireType {
    Varint = 0,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// One message being written: its fields, encoded, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Message {
    bytes: Vec<u8>,
}

impl Message {
    /// An empty message.
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// An `int64`/`int32`/enum field. Negative values take ten bytes, as protobuf's `int64` does.
    pub(super) fn int(&mut self, field: u32, value: i64) -> &mut Self {
        self.key(field, WireType::Varint);
        #[allow(clippy::cast_sign_loss)] // two's complement is the encoding of a negative int64
        put_varint(&mut self.bytes, value as u64);
        self
    }

    /// A `float` field (four little-endian bytes).
    pub(super) fn float(&mut self, field: u32, value: f32) -> &mut Self {
        self.key(field, WireType::Fixed32);
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// A `bytes` field.
    pub(super) fn bytes(&mut self, field: u32, value: &[u8]) -> &mut Self {
        self.key(field, WireType::LengthDelimited);
        put_varint(&mut self.bytes, value.len() as u64);
        self.bytes.extend_from_slice(value);
        self
    }

    /// A `string` field (UTF-8 bytes).
    pub(super) fn string(&mut self, field: u32, value: &str) -> &mut Self {
        self.bytes(field, value.as_bytes())
    }

    /// An embedded message field.
    pub(super) fn message(&mut self, field: u32, value: &Message) -> &mut Self {
        self.bytes(field, &value.bytes)
    }

    /// The encoded message.
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    fn key(&mut self, field: u32, wire_type: WireType) {
        put_varint(&mut self.bytes, (u64::from(field) << 3) | wire_type as u64);
    }
}

/// Base-128 varint: seven bits per byte, least significant first, high bit set on all but the last.
fn put_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        #[allow(clippy::cast_possible_truncation)] // masked to seven bits
        bytes.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    #[allow(clippy::cast_possible_truncation)] // below 0x80
    bytes.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(value: u64) -> Vec<u8> {
        let mut bytes = Vec::new();
        put_varint(&mut bytes, value);
        bytes
    }

    #[test]
    fn varints_match_the_protobuf_documentation() {
        assert_eq!(varint(0), [0x00]);
        assert_eq!(varint(1), [0x01]);
        assert_eq!(varint(150), [0x96, 0x01]);
        assert_eq!(varint(300), [0xac, 0x02]);
        assert_eq!(varint(u64::MAX), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    }

    #[test]
    fn fields_carry_their_number_and_wire_type() {
        // The examples of the protobuf encoding guide: field 1 = 150, field 2 = "testing".
        let mut message = Message::new();
        message.int(1, 150).string(2, "testing");
        assert_eq!(
            message.into_bytes(),
            [0x08, 0x96, 0x01, 0x12, 0x07, b't', b'e', b's', b't', b'i', b'n', b'g']
        );

        let mut message = Message::new();
        message.float(2, 1.0).int(3, -1);
        let bytes = message.into_bytes();
        assert_eq!(bytes[..5], [0x15, 0x00, 0x00, 0x80, 0x3f]);
        assert_eq!(bytes[5], 0x18);
        assert_eq!(bytes.len(), 5 + 1 + 10, "a negative int64 takes ten bytes");
    }

    #[test]
    fn embedded_messages_are_length_prefixed() {
        let mut inner = Message::new();
        inner.int(1, 150);
        let mut outer = Message::new();
        outer.message(3, &inner);
        assert_eq!(outer.into_bytes(), [0x1a, 0x03, 0x08, 0x96, 0x01]);
    }
}
