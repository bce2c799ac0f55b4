//! [`FramedZstd`]: a writer that compresses what it is given as a series of zstd frames of
//! about [`FRAME`] bytes each, every frame in one call. Concatenated frames are one zstd stream
//! to every reader (the `zstd` tool, pandas, polars, `reports`), and one-call compression skips
//! the copy of every byte into a streaming encoder's window. The run folder's compressed
//! journals and tables are written through it.
//! Must never live here: what is written.

use std::io::Write;

/// Uncompressed bytes per frame. A frame this long loses almost nothing to the ones before it
/// (zstd's level 1 looks back 512 KiB).
pub const FRAME: usize = 1 << 20;

/// zstd's level for the run folder: its fastest ordinary level (a year's journals compress
/// about 20 times).
pub const LEVEL: i32 = 1;

/// Compresses into `out`, one frame per [`FRAME`] bytes; a frame ends where a `write` call
/// ends, so a caller that writes whole lines gets frames of whole lines.
pub struct FramedZstd<W: Write> {
    out: W,
    zstd: zstd::bulk::Compressor<'static>,
    pending: Vec<u8>,
    frame: Vec<u8>,
}

impl<W: Write> std::fmt::Debug for FramedZstd<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FramedZstd")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl<W: Write> FramedZstd<W> {
    pub fn new(out: W) -> std::io::Result<Self> {
        Ok(FramedZstd {
            out,
            zstd: zstd::bulk::Compressor::new(LEVEL)?,
            pending: Vec::with_capacity(FRAME + FRAME / 4),
            frame: Vec::new(),
        })
    }

    fn flush_frame(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.frame.clear();
        self.frame
            .reserve(zstd::zstd_safe::compress_bound(self.pending.len()));
        self.zstd
            .compress_to_buffer(&self.pending, &mut self.frame)?;
        self.out.write_all(&self.frame)?;
        self.pending.clear();
        Ok(())
    }

    /// Compresses what is left and flushes; returns the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.flush_frame()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for FramedZstd<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= FRAME {
            self.flush_frame()?;
        }
        Ok(buf.len())
    }

    /// Writes nothing out: a frame is cut only when full or at [`FramedZstd::finish`].
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_decode_as_one_stream_and_end_where_writes_end() {
        let line = b"2025-01-01T00:01:00.000Z,10000.00000000,false\n";
        let mut z = FramedZstd::new(Vec::new()).expect("zstd");
        let mut want = Vec::new();
        for _ in 0..60_000 {
            z.write_all(line).expect("write");
            want.extend_from_slice(line);
        }
        let packed = z.finish().expect("finish");
        assert!(want.len() > 2 * FRAME, "several frames");
        assert_eq!(zstd::decode_all(packed.as_slice()).expect("decode"), want);
        let mut frames = 0;
        let mut rest = packed.as_slice();
        while !rest.is_empty() {
            let n = zstd::zstd_safe::find_frame_compressed_size(rest).expect("a frame");
            let text = zstd::decode_all(&rest[..n]).expect("one frame");
            assert!(text.ends_with(b"\n") && text.len() % line.len() == 0);
            rest = &rest[n..];
            frames += 1;
        }
        assert_eq!(frames, 3, "2.8 MB in frames of a MiB and a line");
    }
}
