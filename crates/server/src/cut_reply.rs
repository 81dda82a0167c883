//! The "connection dropped mid-reply" fault: the request has been fully handled (a
//! DeleteObjects has deleted its keys), but the client gets only part of the reply
//! before the connection breaks, so it cannot know what happened.

use std::error::Error;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

type BoxError = Box<dyn Error + Send + Sync>;

/// A reply body that passes through, or (when `cut`) yields half of its first data
/// frame and then fails, which makes hyper abort the connection.
pub(crate) struct CutReply<B> {
    inner: B,
    cut: bool,
    sent_part: bool,
    flushed: bool,
}

impl<B> CutReply<B> {
    pub(crate) fn new(inner: B, cut: bool) -> Self {
        CutReply {
            inner,
            cut,
            sent_part: false,
            flushed: false,
        }
    }
}

impl<B> Body for CutReply<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if !this.cut {
            return Pin::new(&mut this.inner).poll_frame(cx).map_err(Into::into);
        }
        if this.sent_part {
            if !this.flushed {
                // One Pending lets hyper write out the part before the connection breaks;
                // failing at once would drop the buffered part too (no reply at all).
                this.flushed = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            return Poll::Ready(Some(Err(
                "injected fault: connection dropped mid-reply".into()
            )));
        }
        this.sent_part = true;
        match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => Poll::Ready(Some(Ok(Frame::data(data.slice(..data.len() / 2))))),
                Err(_) => Poll::Ready(Some(Err(
                    "injected fault: connection dropped mid-reply".into()
                ))),
            },
            Some(Err(e)) => Poll::Ready(Some(Err(e.into()))),
            None => Poll::Ready(Some(Err(
                "injected fault: connection dropped mid-reply".into()
            ))),
        }
    }

    fn is_end_stream(&self) -> bool {
        !self.cut && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        if self.cut {
            SizeHint::default()
        } else {
            self.inner.size_hint()
        }
    }
}
