"""Custom actions for the Tidepool assistant (run by `python -m rasa_sdk --actions actions`)."""
