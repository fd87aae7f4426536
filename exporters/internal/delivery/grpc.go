package delivery

import (
	"errors"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// GRPCClassifier applies the OTLP retry rules to gRPC errors: Canceled,
// DeadlineExceeded, Aborted, OutOfRange, Unavailable and DataLoss are
// retried; ResourceExhausted only when the status carries RetryInfo; every
// other code is permanent. A RetryInfo delay becomes the throttle. Errors
// without a gRPC status (a broken stream's io.EOF, a dial error) are retried,
// and Permanent and Throttle wrappers are honoured first.
func GRPCClassifier(err error) (retry bool, throttle time.Duration) {
	var pe *permanentError
	if errors.As(err, &pe) {
		return false, 0
	}
	var te *throttleError
	if errors.As(err, &te) {
		return true, te.delay
	}
	st, ok := status.FromError(err)
	if !ok {
		return true, 0
	}
	var delay time.Duration
	hasInfo := false
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			hasInfo = true
			delay = max(ri.GetRetryDelay().AsDuration(), 0)
		}
	}
	switch st.Code() {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange,
		codes.Unavailable, codes.DataLoss:
		return true, delay
	case codes.ResourceExhausted:
		return hasInfo, delay
	default:
		return false, 0
	}
}
