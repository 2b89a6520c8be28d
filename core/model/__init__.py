"""What a trained model is: encoding, the estimator, plain-array linear models, and the verified bundle on disk."""
